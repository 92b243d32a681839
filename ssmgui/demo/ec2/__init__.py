"""The fake EC2 (DescribeInstances) the inventory reads names, platforms and tags from."""
