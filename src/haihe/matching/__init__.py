"""Matching: what organisations offer and seek (listings), explained partner
recommendations, technology transfer and expressions of interest (issue 15)."""
