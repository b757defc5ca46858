"""Mail: composing an issue as email, the SMTP transport, the delivery log."""
