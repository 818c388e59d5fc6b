"""The edges: settings, the command line, and (later) the Slack app and the scheduler."""
