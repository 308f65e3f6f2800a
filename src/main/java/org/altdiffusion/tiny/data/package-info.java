/**
 * The synthetic multilingual shapes dataset on which a tiny AltDiffusion is trained end to end, and
 * the pixel oracle that grades its pictures. Pure Java (no libtorch), deterministic from a seed.
 *
 * <pre>{@code
 * ShapesDataset train = ShapesDataset.of(seed, Split.TRAIN);     // 17,600 samples by default
 * Sample s = train.get(i);                                        // rendered now, bit-identical per (seed, split, i)
 * s.attributes();                                                 // shape, colour, position, size
 * s.background(); s.template();                                   // plain/gradient/noise; which caption meaning
 * s.englishCaption(); s.caption(Language.ZH); s.captions();       // parallel captions, 18 languages
 * s.pixels();  Sample.stack(list);                                // [3,64,64] / [B,3,64,64] floats in [-1, 1]
 * s.image();                                                      // BufferedImage (image.ImageTensors.toTensor works too)
 * train.captionPairs();                                           // (english, other language) pairs for distillation
 * ShapesDataset.of(seed, Split.HELDOUT);                          // 48 combinations never in TRAIN, FULL prompts
 * ShapesDataset.of(seed, Split.TRAIN, n, 0.3);                    // 30% partial captions ("blau", "a red shape")
 * new ShapeOracle().recognize(image).matches(expectedAttributes); // grading generated 64x64 pictures
 * }</pre>
 *
 * <p>Attributes: 5 shapes ({@link org.altdiffusion.tiny.data.Shape}) x 8 colours ({@link
 * org.altdiffusion.tiny.data.Colour}) x 5 positions x 2 sizes = 400 combinations, 48 of them held
 * out by {@link org.altdiffusion.tiny.data.Combinations}. Captions come from the data files {@code
 * tiny/captions/<lang>.json} through {@link org.altdiffusion.tiny.data.CaptionLexicon}; the tables
 * in {@code docs/tiny-captions-review.md} show them all for review.
 */
package org.altdiffusion.tiny.data;
