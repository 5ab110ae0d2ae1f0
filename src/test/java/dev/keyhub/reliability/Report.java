package dev.keyhub.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes a run's findings in full to target/reliability-{name}.txt, for reading after a failed run. */
final class Report {

    private Report() {
    }

    static void write(String name, List<String> findings, List<String> notes) {
        List<String> lines = new ArrayList<>();
        findings.forEach(f -> lines.add("FINDING " + f));
        notes.forEach(n -> lines.add("NOTE " + n));
        try {
            Files.write(Path.of("target", "reliability-" + name + ".txt"), lines);
        } catch (IOException e) {
            System.out.println("could not write the report: " + e.getMessage());
        }
    }
}
