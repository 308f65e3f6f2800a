/**
 * AUTOMATIC1111's prompt syntax, independent of any model: emphasis weights and {@code BREAK}
 * ({@link org.altdiffusion.prompt.PromptAttention}), the constructs this program refuses ({@link
 * org.altdiffusion.prompt.PromptSchedules}), the cutting of a tokenized prompt into windows of the
 * text encoder ({@link org.altdiffusion.prompt.PromptChunker}) and textual-inversion embeddings
 * ({@link org.altdiffusion.prompt.Embeddings}). {@code models/text/TextConditioning} encodes the
 * chunks.
 */
package org.altdiffusion.prompt;
