#!/usr/bin/env python3
# Reads a vfio device's MSI-X interrupt info (VFIO_DEVICE_GET_IRQ_INFO) and
# prints it as JSON. Node cannot issue ioctls; this is the smallest way.
# Usage: vfio-irq-info.py BDF   (the device must be bound to vfio-pci and not
# open elsewhere: run it before QEMU takes the group).
import ctypes, fcntl, json, os, struct, sys

VFIO = 0x3B
def io(nr): return (VFIO << 8) | (100 + nr)
GET_API_VERSION, CHECK_EXTENSION, SET_IOMMU = io(0), io(1), io(2)
GROUP_GET_STATUS, GROUP_SET_CONTAINER, GROUP_GET_DEVICE_FD = io(3), io(4), io(6)
DEVICE_GET_IRQ_INFO = io(9)
TYPE1_IOMMU, TYPE1v2_IOMMU = 1, 3
PCI_MSIX_IRQ_INDEX = 2
FLAGS = {'eventfd': 1, 'maskable': 2, 'automasked': 4, 'noresize': 8}

bdf = sys.argv[1]
group = os.path.basename(os.readlink(f'/sys/bus/pci/devices/{bdf}/iommu_group'))
container = os.open('/dev/vfio/vfio', os.O_RDWR)
gfd = os.open(f'/dev/vfio/{group}', os.O_RDWR)
fcntl.ioctl(gfd, GROUP_SET_CONTAINER, struct.pack('i', container))
iommu = TYPE1v2_IOMMU if fcntl.ioctl(container, CHECK_EXTENSION, TYPE1v2_IOMMU) else TYPE1_IOMMU
fcntl.ioctl(container, SET_IOMMU, iommu)
# This ioctl returns the new fd as its result, which fcntl.ioctl discards for buffer arguments.
libc = ctypes.CDLL(None, use_errno=True)
dfd = libc.ioctl(gfd, GROUP_GET_DEVICE_FD, ctypes.c_char_p(bdf.encode()))
if dfd < 0:
    sys.exit(f'VFIO_GROUP_GET_DEVICE_FD {bdf}: {os.strerror(ctypes.get_errno())}')
info = bytearray(struct.pack('IIII', 16, 0, PCI_MSIX_IRQ_INDEX, 0))
fcntl.ioctl(dfd, DEVICE_GET_IRQ_INFO, info)
argsz, flags, index, count = struct.unpack('IIII', info)
print(json.dumps({'bdf': bdf, 'group': int(group), 'count': count, 'flags': flags, **{k: bool(flags & v) for k, v in FLAGS.items()}}))
