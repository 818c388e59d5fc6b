"""Pure commands: parse what people ask, compute the figures, build a Reply.

Knows no Slack, no gspread and no clock: the Dataset and the as-of date are passed in.
"""
