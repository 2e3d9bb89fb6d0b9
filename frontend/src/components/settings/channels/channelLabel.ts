// The name of an inbox's channel in the operator's language. A channel plugin installed later
// (a VK or WhatsApp bridge) has no translation here: its own name is shown instead of a key.

interface Translator {
  t: (key: string) => string
  te: (key: string) => boolean
}

export function channelLabel(i18n: Translator, channel: string): string {
  const key = `setup.channels.kinds.${channel}`
  return i18n.te(key) ? i18n.t(key) : channel
}
