package org.altdiffusion.io.pytorch;

import org.altdiffusion.io.DType;

/**
 * One storage named by a persistent id {@code ('storage', type, key, location, numel)}: the zip
 * entry {@code data/<key>} holding {@code numel} elements of the storage type. Several tensors may
 * view one storage (tied weights, slices); they share this object.
 *
 * @param dtype element type; null for storage types we do not read (complex, quantized)
 * @param dtypeName the type as torch names it, for messages
 * @param numel element count as the pickle declares it (bytes for UntypedStorage)
 * @param byteSize size of the zip entry in bytes (numel x element size when supported)
 */
record TorchStorage(
    String key,
    String typeName,
    DType dtype,
    String dtypeName,
    long numel,
    ZipArchive.Entry entry,
    long byteSize) {
  boolean supported() {
    return dtype != null;
  }
}
