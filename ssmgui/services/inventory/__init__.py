"""Listing SSM-managed instances across profiles and regions, with an on-disk cache."""
