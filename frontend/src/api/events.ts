// Event frames of routing, scripts, contacts and attribute definitions: the part of the
// generated frame union (src/generated/events.ts) that realtime/apply-tools.ts handles.
import type { AgentEventFrame } from '@/generated/events'

/** Every event but those of conversations and messages (realtime/apply.ts handles those). */
export type ToolEventFrame = Exclude<
  AgentEventFrame,
  { type: 'conversation.created' | 'conversation.updated' | 'message.created' | 'message.updated' }
>
