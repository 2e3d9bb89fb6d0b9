"""Personal data (152-FZ / GDPR): export a contact's data, erase a contact, retention."""
