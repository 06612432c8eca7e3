"""One module per group of commands; each registers its sub-commands with the CLI's parser."""
