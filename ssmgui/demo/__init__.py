"""A fake AWS on loopback for `--demo`, the tests and the benchmarks (docs/testing.md).

The product layers never import it (an import-linter contract), and the command line
imports it only when a demo command runs. Import what you need from its modules:
`ssmgui.demo.world.FakeAws` is the Session Manager service and agents, `ssmgui.demo.fleet`
the inventory's many-region fleet, `ssmgui.demo.desktop` everything `ssmgui --demo` shows.
"""
