/**
 * The AltDiffusion training recipe: a shared loop ({@link org.altdiffusion.train.Trainer}) over a
 * {@link org.altdiffusion.train.TrainingTask} (text-encoder distillation and the two UNet stages in
 * {@code train.tasks}), libtorch's AdamW with warm-up + cosine schedule, clipping, accumulation and
 * EMA ({@code train.optim}), data from WebDataset shards, folders, JSONL or the synthetic shapes
 * ({@code train.data}), Gloo data parallelism ({@code train.distributed}), atomic resume
 * checkpoints that make a resumed run bit-identical to an uninterrupted one ({@link
 * org.altdiffusion.train.CheckpointStore}), a JSONL log, a progress line and a loss-curve PNG. See
 * docs/training.md.
 */
package org.altdiffusion.train;
