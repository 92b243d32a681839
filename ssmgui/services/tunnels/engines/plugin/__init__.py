"""The engine that runs AWS's session-manager-plugin as a child process."""
