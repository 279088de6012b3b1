#!/usr/bin/env python3
# Prints LENGTH bytes at OFFSET of a device's memory BAR as hex dwords, one
# per line. sysfs resourceN files of memory BARs can only be mmapped, and
# Node cannot mmap; this is the smallest way.
# Usage: read-bar.py BDF BAR OFFSET LENGTH   (OFFSET and LENGTH multiples of 4)
import mmap, os, struct, sys

bdf, bar, offset, length = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 0), int(sys.argv[4], 0)
if offset % 4 or length % 4:
    sys.exit('offset and length must be multiples of 4')
path = f'/sys/bus/pci/devices/{bdf}/resource{bar}'
size = os.stat(path).st_size
if offset + length > size:
    sys.exit(f'{path}: {offset:#x}+{length:#x} is beyond the BAR ({size:#x} bytes)')
page = offset & ~(mmap.PAGESIZE - 1)
fd = os.open(path, os.O_RDONLY | os.O_SYNC)
try:
    m = mmap.mmap(fd, offset + length - page, mmap.MAP_SHARED, mmap.PROT_READ, offset=page)
    # One aligned 32-bit load per dword: MSI-X tables take no other access.
    view = memoryview(m).cast('I')
    for i in range((offset - page) // 4, (offset - page + length) // 4):
        print(f'{view[i]:08x}')
    view.release()
    m.close()
finally:
    os.close(fd)
