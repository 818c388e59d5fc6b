"""The shared spreadsheet: backends (Google, workbook), schemas, loading and validation.

Knows nothing of Slack and nothing of the commands built on top of it.
"""
