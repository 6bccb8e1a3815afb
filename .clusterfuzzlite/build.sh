#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build entry point: everything is in fuzz/build.sh.
exec "$SRC/gatecrash/fuzz/build.sh"
