"""The warm helper behind `ssmgui ssh-proxy`: first bytes in a blink, not after 0.4 s of imports.

Every `ssh i-…` through `ssmgui ssh-proxy` is a new process. Started cold it spends most of
its time importing botocore and building clients before the first byte can move
(bench/open.py). So the proxy process first asks a lingering helper process (`ssmgui broker`,
started on first use, gone after some idle minutes) that has the same identity service, the
same botocore-resolved clients and the same data channel already loaded: the proxy hands it
its stdin and stdout over a private Unix socket (SCM_RIGHTS) and waits for the exit status.

This package is what the proxy process runs before anything heavy is imported, so it uses the
standard library only (an import-linter contract holds that). The helper itself is the CLI
command `ssmgui/cli/broker_command.py`. The design and its safety: docs/architecture.md,
"The warm helper".
"""
