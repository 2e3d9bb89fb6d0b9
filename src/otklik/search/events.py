"""The search domain emits no events: the index is written with each change, in the change's
own transaction, by the domain that makes it (ADR 23), so nobody needs to hear of it."""
