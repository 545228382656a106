"""A local ZEGO Cloud Recording server: same wire protocol, signatures, codes, limits and callbacks."""
