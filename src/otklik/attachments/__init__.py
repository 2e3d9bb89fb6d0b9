"""Files attached to messages: uploaded by operators and visitors, or brought by channels."""
