#!/usr/bin/env bash
# Brings every src/*/PublicAPI.Unshipped.txt up to date with the code: adds the public symbols the build reports as
# undeclared (RS0016) and removes declared ones it can no longer find (RS0017). Review the diff; it is the API change.
#
# The PublicApiAnalyzers code fix needs an IDE, so this rebuilds the projects that have PublicAPI files with warnings
# not treated as errors (dependents still compile), reads the diagnostics from the build log and edits the files.
# Usage: eng/update-public-api.sh [Configuration]   (default Release). Then `dotnet build Herald.slnx -c Release`
# must be green: a symbol this script could not place still fails the build there.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${1:-Release}
log=$(mktemp)

# One MSBuild run rebuilds every project that has PublicAPI files (and what they reference) once. Rebuild, because an
# up-to-date project would not be compiled again and so would report nothing.
traversal=$(mktemp --suffix=.proj)
trap 'rm -f "$log" "$traversal"' EXIT
projects=$(for api in src/*/PublicAPI.Unshipped.txt; do ls "$PWD/$(dirname "$api")"/*.csproj; done | sed 's|.*|<P Include="&" />|')
cat >"$traversal" <<PROJ
<Project>
  <ItemGroup>$projects</ItemGroup>
  <Target Name="Build"><MSBuild Projects="@(P)" Targets="Rebuild" Properties="Configuration=$configuration" BuildInParallel="true" /></Target>
</Project>
PROJ
dotnet restore Herald.slnx -nologo >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
dotnet msbuild "$traversal" -nologo -clp:NoSummary -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= >"$log" 2>&1 || true
# file.cs(l,c): warning RS0016: Symbol 'X' is not part of the declared public API (…) [/abs/src/P/P.csproj]
changed=$(python3 - "$log" <<'PY'
import collections, os, re, sys
pattern = re.compile(r"(?:warning|error) (RS001[67]): Symbol '(.+?)' is (?:not part of the declared public API|part of the declared API, but is either not public or could not be found).*\[(.+?\.csproj)")
edits = collections.defaultdict(lambda: (set(), set()))
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = pattern.search(line)
    if m:
        rule, symbol, project = m.groups()
        edits[os.path.dirname(project)][0 if rule == "RS0016" else 1].add(symbol)
count = 0
for folder, (added, removed) in edits.items():
    path = os.path.join(folder, "PublicAPI.Unshipped.txt")
    shipped = set(open(os.path.join(folder, "PublicAPI.Shipped.txt"), encoding="utf-8").read().splitlines())
    # A symbol that shipped and is gone is declared removed; one that never shipped simply leaves the file.
    added = added | {"*REMOVED*" + s for s in removed if s in shipped}
    lines = open(path, encoding="utf-8").read().splitlines()
    header = [l for l in lines if l.startswith("#")] or ["#nullable enable"]
    body = {l for l in lines if l and not l.startswith("#")}
    new_body = (body - removed) | added
    count += len(new_body ^ body)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(header + sorted(new_body)) + "\n")
print(count)
PY
)
echo "update-public-api: changed $changed entries; now check: dotnet build Herald.slnx -c $configuration"

others=$(grep -Eo '(warning|error) RS00[0-9]+: .*' "$log" | grep -Ev 'RS001[67]:' | sort -u || true)
if [ -n "$others" ]; then
  echo "update-public-api: the build reports PublicAPI diagnostics this script does not fix:" >&2
  echo "$others" | head -20 >&2
  exit 1
fi
