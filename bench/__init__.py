"""`make bench`: the service's hot paths measured on the real stack (bench/README.md)."""
