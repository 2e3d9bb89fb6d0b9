"""Outgoing webhooks: signed JSON posts to admins' endpoints when conversations change."""
