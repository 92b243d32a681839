"""Starting the user's clients (Remote Desktop, SSH terminals, browsers) on a tunnel's port."""
