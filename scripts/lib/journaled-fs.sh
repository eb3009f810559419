# journaled-fs.sh: sourced by the benchmarks; a fresh ext4 file system with mkfs.ext4's defaults
# (a journal among them) on a directory, for the target side's files.
#
# Why: this development machine's root file system is ext4 without a journal, and there ext4
# scans the recently deleted inodes at every inode allocation (ext4's recently_deleted() is
# checked only when the file system has no journal), so each file or directory created costs
# more the more were deleted in the last minutes: 220 us growing to 500 us after three rounds of
# 8,000 creates and deletes, against a steady 30 us on a default ext4 on the same disk. A job
# directory holds about a dozen files, so on that root file system a job's figures drift by
# milliseconds from one run to the next, and with them every figure of a tool that makes files
# on the target; OpenSSH's anchors make none. JOURNALED_FS=1 (bench-fleet.sh) and --journaled-fs
# (bench-broker.sh) put the target side's files on a default ext4 instead, as a target usually
# has; without it the figures are the root file system's, as before.
#
#   journaled_fs_mount DIR...   mounts a new ext4 (a sparse 4 GiB image in /var/tmp, loop
#                               device) on each DIR, created if missing; needs root
#   journaled_fs_unmount        unmounts them and deletes the images (call it in the EXIT trap,
#                               before removing what holds the mount points)

JOURNALED_FS_MOUNTS=()

journaled_fs_mount() {
    local dir img
    for dir; do
        mkdir -p "$dir"
        img=$(mktemp /var/tmp/sk-bench-fs.XXXXXX)
        truncate -s 4G "$img"
        mkfs.ext4 -q -F "$img"
        mount -o loop "$img" "$dir"
        JOURNALED_FS_MOUNTS+=("$dir:$img")
    done
}

journaled_fs_unmount() {
    local mount
    for mount in "${JOURNALED_FS_MOUNTS[@]}"; do
        umount "${mount%%:*}" 2>/dev/null || umount -l "${mount%%:*}" 2>/dev/null || true
        rm -f "${mount#*:}"
    done
    JOURNALED_FS_MOUNTS=()
}
