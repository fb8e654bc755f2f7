# Toolchain for meminit: the system gcc and binutils targeting x86_64.
# The kernel and the host tests use the same compiler; what makes the kernel
# freestanding is the option set below, applied per target (never globally)
# by meminit_kernel_target() in the top-level CMakeLists.txt.
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER gcc)
set(CMAKE_ASM_COMPILER gcc)

set(MEMINIT_KERNEL_C_OPTIONS
    -std=c11 -ffreestanding -fno-builtin -fno-stack-protector -fno-pic -fno-pie
    -mcmodel=kernel -mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mno-avx
    -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns
    # A frame bigger than a page (a record is 6 KiB) is probed page by page as it
    # grows, so an overflow always lands on the guard page below the stack.
    -fstack-clash-protection
    -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter)
set(MEMINIT_KERNEL_LINK_OPTIONS
    -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096
    -Wl,--no-warn-rwx-segments)
