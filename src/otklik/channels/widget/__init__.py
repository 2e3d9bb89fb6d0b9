"""The site chat widget channel: visitor sessions, messages and socket."""
