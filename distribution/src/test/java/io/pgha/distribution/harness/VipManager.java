package io.pgha.distribution.harness;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A private vip-manager (Debian's {@code vip-manager} 1.0.2, {@code manager-type basic}) as a child of the test JVM,
 * configured by flags, its output in a file of its own, stopped by its own pid (SIGINT, then SIGKILL).
 *
 * <p>vip-manager refuses the loopback device (it needs a hardware address for gratuitous ARP), so the VIP goes on a
 * {@link Link}: an {@code ifb} device the test creates, with a base address from TEST-NET-1 (RFC 5737) for the ARP
 * client, and deletes afterwards, addresses and all. One link per vip-manager: vip-manager removes the VIP from its
 * interface whenever the key does not name its member, so two of them on one interface would fight over it.
 */
public final class VipManager implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/vip-manager");

    private final Process process;
    private final Path log;
    private final String member;

    private VipManager(Process process, Path log, String member) {
        this.process = process;
        this.log = log;
        this.member = member;
    }

    /** Starts vip-manager with {@code flags} ({@code --ip}, {@code --trigger-key}, ...), its output in {@code log}. */
    public static VipManager start(String member, Path log, List<String> flags) {
        requireBinary();
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString()));
        cmd.addAll(flags);
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, "---- " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            return new VipManager(p, log, member);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
    }

    /** The flags of one basic-manager vip-manager for {@code member} on {@code link}. */
    public static List<String> flags(Link link, String vip, String dcsType, String endpoint, String key,
            String member) {
        return List.of("--dcs-type", dcsType, "--dcs-endpoints", endpoint, "--trigger-key", key, "--trigger-value",
                member, "--interface", link.name(), "--ip", vip, "--netmask", "32", "--interval", "500",
                "--manager-type", "basic");
    }

    public static void requireBinary() {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: install Debian's vip-manager (.ci/run does)");
        }
    }

    public String member() {
        return member;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to exit by itself; its exit status, or empty when it still runs after {@code timeout}. */
    public java.util.OptionalInt awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    ? java.util.OptionalInt.of(process.exitValue()) : java.util.OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.OptionalInt.empty();
        }
    }

    /** Everything it printed so far. */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no vip-manager log: " + e + ")";
        }
    }

    /** How many of its output lines contain {@code text}. */
    public long count(String text) {
        return output().lines().filter(l -> l.contains(text)).count();
    }

    /**
     * SIGINT, then SIGKILL after ten seconds; true when it ended on SIGINT. vip-manager 1.0.2 removes its VIP on
     * SIGINT ("Received exit signal") but not on SIGTERM, which ends it with the VIP still configured.
     */
    public boolean stop() {
        return signalAndWait("INT");
    }

    /** SIGTERM, as {@code systemctl stop} sends with Debian's unit; then SIGKILL after ten seconds. */
    public boolean terminate() {
        return signalAndWait("TERM");
    }

    private boolean signalAndWait(String signal) {
        if (!process.isAlive()) {
            return true;
        }
        Procs.run(Duration.ofSeconds(10), "kill", "-" + signal, Long.toString(process.pid()));
        try {
            if (process.waitFor(10, TimeUnit.SECONDS)) {
                return true;
            }
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        return false;
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "vip-manager of " + member + " (pid " + process.pid() + ")";
    }

    /**
     * A network device of the test's own for a VIP: {@code ifb} (present wherever the ifb module is, and without any
     * effect on traffic), up, with one base address. {@link #close()} deletes it and every address on it.
     */
    public static final class Link implements AutoCloseable {
        private final String name;
        private final String baseAddress;

        private Link(String name, String baseAddress) {
            this.name = name;
            this.baseAddress = baseAddress;
        }

        /** Creates {@code name} (at most 15 characters) with {@code baseAddress}/32. */
        public static Link create(String name, String baseAddress) {
            Link link = new Link(name, baseAddress);
            try {
                ip("link", "add", name, "type", "ifb");
                ip("link", "set", name, "up");
                ip("addr", "add", baseAddress + "/32", "dev", name);
                return link;
            } catch (RuntimeException e) {
                link.close();
                throw e;
            }
        }

        /** A device name no other run on this host is likely to use: {@code pgvip<4 hex><suffix>}. */
        public static String uniqueName(String tag, char suffix) {
            return "pgvip" + tag + suffix;
        }

        /** A random tag shared by one test run's devices. */
        public static String newTag() {
            return String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
        }

        public String name() {
            return name;
        }

        public String baseAddress() {
            return baseAddress;
        }

        /** The IPv4 addresses on this device, without their prefix length. */
        public List<String> addresses() {
            Procs.Result r = Procs.run(Duration.ofSeconds(10), "ip", "-o", "-4", "addr", "show", "dev", name);
            if (!r.ok()) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (String line : r.output().split("\n")) {
                String[] f = line.trim().split("\\s+");
                for (int i = 0; i + 1 < f.length; i++) {
                    if (f[i].equals("inet")) {
                        out.add(f[i + 1].replaceAll("/.*", ""));
                    }
                }
            }
            return out;
        }

        /** Whether {@code address} is on this device. */
        public boolean has(String address) {
            return addresses().contains(address);
        }

        private static void ip(String... args) {
            List<String> cmd = new ArrayList<>(List.of("ip"));
            cmd.addAll(List.of(args));
            Procs.Result r = Procs.run(Duration.ofSeconds(10), cmd, null);
            if (!r.ok()) {
                throw new IllegalStateException("'" + String.join(" ", cmd) + "' failed (" + r.exitCode() + "): "
                        + r.output().strip() + " (vip-manager needs a non-loopback device; the test creates an ifb"
                        + " device, which needs root and the ifb kernel module)");
            }
        }

        @Override
        public void close() {
            Procs.Result r = Procs.run(Duration.ofSeconds(10), "ip", "link", "del", name);
            if (!r.ok() && !r.output().contains("Cannot find device")) {
                System.out.println("it: could not delete " + name + ": " + r.output().strip());
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
