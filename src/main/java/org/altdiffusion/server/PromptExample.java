package org.altdiffusion.server;

/**
 * An example prompt that the web page offers for a model.
 *
 * @param lang language code ({@code en}, {@code zh}, ...), null when not given
 * @param prompt the prompt
 */
public record PromptExample(String lang, String prompt) {}
