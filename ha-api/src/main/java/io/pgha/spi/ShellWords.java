package io.pgha.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command line the way a POSIX shell splits words (single quotes, double quotes, backslash escapes), with
 * no expansion of any kind. Patroni's configured commands ({@code post_bootstrap}, callbacks, a custom replica or
 * bootstrap method's {@code command}) are shell-split this way and never run by a shell, so plugins that run such a
 * command must split it the same way.
 *
 * <p>Stateless and thread-safe.
 *
 * @since 1.0
 */
public final class ShellWords {
    private ShellWords() {
    }

    /**
     * The words of {@code line}, quotes removed; an empty list for a blank line.
     *
     * @throws IllegalArgumentException for an unterminated quote or a trailing backslash, naming the line
     */
    public static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated single quote in: " + line);
                }
                cur.append(line, i + 1, end);
                i = end;
                inWord = true;
            } else if (c == '"') {
                i++;
                while (i < line.length() && line.charAt(i) != '"') {
                    char d = line.charAt(i);
                    if (d == '\\' && i + 1 < line.length() && "\\\"$`\n".indexOf(line.charAt(i + 1)) >= 0) {
                        i++;
                        d = line.charAt(i);
                    }
                    cur.append(d);
                    i++;
                }
                if (i >= line.length()) {
                    throw new IllegalArgumentException("unterminated double quote in: " + line);
                }
                inWord = true;
            } else if (c == '\\') {
                if (i + 1 >= line.length()) {
                    throw new IllegalArgumentException("trailing backslash in: " + line);
                }
                cur.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(cur.toString());
        }
        return words;
    }
}
