"""Fake AWS Session Manager (service + agent) on loopback, for tests, benchmarks and --demo.

Faithful to docs/ssm-protocol.md §11. Never imported by the product layers.
"""

from ssmgui.demo.downlink import AgentTiming
from ssmgui.demo.faults import Faults
from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.session import FakeSession
from ssmgui.demo.world import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, FakeAws

__all__ = [
    "DEMO_ACCESS_KEY",
    "DEMO_SECRET_KEY",
    "AgentTiming",
    "FakeAws",
    "FakeInstance",
    "FakeSession",
    "Faults",
]
