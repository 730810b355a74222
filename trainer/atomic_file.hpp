#pragma once
// Files that are either fully written or not there at all: write to a temporary file in
// the same folder, fsync it, rename it over the target, fsync the folder. A crash at any
// moment leaves the previous file (or none), never a half-written one.
#include <string>

namespace accmt {

void write_file_atomic(const std::string& path, const std::string& contents);
// Creates `path` and missing parents; fsyncs the new folders' parents.
void make_dirs(const std::string& path);
// fsync of a folder, so a rename inside it survives a crash.
void sync_dir(const std::string& path);

}  // namespace accmt
