"""`python -m hangar ARGS` runs the `hangar` executable: `python -m hangar serve --dev-kafka`."""

from hangar._executable import main

if __name__ == "__main__":
    main()
