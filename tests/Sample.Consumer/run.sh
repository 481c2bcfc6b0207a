#!/usr/bin/env bash
# Packs the generator into a local feed, then builds and runs this consumer against the package:
# the compile-time-dependency path our users take. Exit status: the consumer's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
feed="$root/artifacts/feed"
packages="$root/artifacts/consumer-packages"   # private, so a stale package of the same version in ~/.nuget is never used
rm -rf "$feed" "$packages" "$here/bin" "$here/obj"
dotnet pack "$root/generator/Generator" -c Release -o "$feed" -nologo -v quiet
dotnet build "$here" -c Release -nologo -v quiet -p:RestorePackagesPath="$packages" -warnaserror
dotnet "$here/bin/Release/net10.0/Sample.Consumer.dll"
