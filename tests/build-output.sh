# The built assembly of a project as MSBuild computes it (bin/CONFIGURATION/TARGET-FRAMEWORK/NAME.dll today), so no
# script types the output layout or the target framework. Sourced, not run.
#   source tests/build-output.sh; app=$(build_output bench/Linux.Iommu.Bench Release)
build_output() {
  local project=${1:?usage: build_output PROJECT CONFIGURATION} configuration=${2:?usage: build_output PROJECT CONFIGURATION}
  dotnet msbuild "$project" -nologo -getProperty:TargetPath -p:Configuration="$configuration"
}
