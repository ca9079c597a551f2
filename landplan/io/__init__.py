"""Reading and writing the files parks and land bureaus exchange."""
