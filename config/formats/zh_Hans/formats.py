"""
Our dates in Chinese text (docs/GLOSSARY.md): 2022年11月21日, 11月21日 and
11月28日 12:00. Django's own zh_Hans formats pad the month (09月5日) in
MONTH_DAY_FORMAT; everything not set here comes from Django's.
"""

MONTH_DAY_FORMAT = "n月j日"
SHORT_DATETIME_FORMAT = "n月j日 H:i"
