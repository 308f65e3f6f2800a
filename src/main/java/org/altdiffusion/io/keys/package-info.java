/**
 * Renamed views of checkpoints: {@link org.altdiffusion.io.keys.KeyMapping} (a table of ordered
 * {@link org.altdiffusion.io.keys.Rule}s, an optional prefix to select and strip, and what to do
 * with unmapped keys) turns any {@link org.altdiffusion.io.TensorSource} into a lazy {@link
 * org.altdiffusion.io.keys.RenamedSource} whose names are the ones our modules use, so strict
 * loading ({@code Module.load}) works unchanged on foreign formats. The tables themselves, one
 * class per foreign format, live in {@link org.altdiffusion.io.keys.formats}.
 */
package org.altdiffusion.io.keys;
