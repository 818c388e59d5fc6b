"""Protocol-level stand-ins for the HTTP APIs the bot talks to (Slack, Google Sheets)."""
