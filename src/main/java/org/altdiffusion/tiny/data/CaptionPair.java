package org.altdiffusion.tiny.data;

/**
 * A parallel caption pair for text-encoder distillation: the English caption (the teacher's input)
 * and the same meaning in {@code language} (the student's input; for English the two are equal).
 *
 * @param language language of {@code text}
 * @param template what the captions say
 * @param attributes the meaning ({@link CaptionTemplate#project}: unsaid size/position are
 *     SMALL/CENTRE)
 * @param english the English caption
 * @param text the caption in {@code language}
 */
public record CaptionPair(
    Language language,
    CaptionTemplate template,
    Attributes attributes,
    String english,
    String text) {}
