"""juesuan (决算): open data from the final accounts of Chinese medical-insurance bureaus."""
__version__ = "0.1.0"
