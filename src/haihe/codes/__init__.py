"""National code tables (GB/T 2260 regions, GB/T 4754 industries) and the USCC.

Pure code plus shipped data files, loaded once per process.
"""
