package io.pgha.engine.ha;

/** Replication-slot names for members, as Patroni derives them. */
public final class SlotNames {
    private SlotNames() {
    }

    /**
     * Lower-cases the name, turns {@code -} and {@code .} into {@code _}, writes any other character outside
     * {@code [a-z0-9_]} as {@code u} plus its four-digit code point, and cuts the result to 63 characters.
     */
    public static String forMember(String memberName) {
        StringBuilder sb = new StringBuilder();
        for (char c : memberName.toLowerCase(java.util.Locale.ROOT).toCharArray()) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
                sb.append(c);
            } else if (c == '-' || c == '.') {
                sb.append('_');
            } else {
                sb.append('u').append(String.format("%04d", (int) c));
            }
        }
        return sb.length() > 63 ? sb.substring(0, 63) : sb.toString();
    }
}
