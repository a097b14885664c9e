"""The inputs room: recorded files (bare bodies, exchange records, HAR captures) read into exchanges."""
