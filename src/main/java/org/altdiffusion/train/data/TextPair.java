package org.altdiffusion.train.data;

/**
 * A distillation example: an English sentence (the teacher's input) and the same meaning in {@code
 * language} (the student's input; for English-English pairs both are the same text).
 */
public record TextPair(String english, String text, String language) {}
