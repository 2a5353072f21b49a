package dev.orchestra.shared.config;

/**
 * One problem found in a user's file, in the shape used everywhere: validate output, API errors and
 * status files.
 *
 * @param file the file the problem is in, as the user named it (e.g. {@code experiment.yml})
 * @param path the field path inside the file, dotted with list indexes (e.g. {@code
 *     parameters[1].bounds.min}); empty for the whole document
 * @param problem what is wrong, in one sentence
 * @param fix how to fix it, in one sentence
 */
public record Finding(String file, String path, String problem, String fix) {}
