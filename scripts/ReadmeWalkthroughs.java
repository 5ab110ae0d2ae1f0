import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the README's shell blocks, in the order they are written, against dev mode, as a new user would follow
 * them, and checks every answer against the {@code # →} line after its command: the HTTP status it names (else any
 * 2xx or 3xx) and each {@code "key":value} pair it shows without an ellipsis. A line {@code ./mvnw quarkus:dev …}
 * (re)starts dev mode with those arguments and waits until it is ready; dev mode is started before the first block,
 * which the README's prose starts by hand. Run by {@code scripts/readme-walkthroughs}; needs bash and curl.
 * <p>
 * The blocks run as one bash script (target/readme-walkthroughs.sh), so that a variable set in one step is there in
 * the next, as in the reader's terminal.
 */
public class ReadmeWalkthroughs {

    private static final Pattern FENCE = Pattern.compile("^(\\s*)```(\\w*)\\s*$");
    private static final Pattern EXPECT = Pattern.compile("#\\s*→\\s*(.*)$");
    private static final Pattern STATUS = Pattern.compile("^(\\d{3})\\b");
    private static final Pattern PAIR = Pattern.compile("\"[A-Za-z]+\":(\"[^\"…]*\"|-?\\d+(\\.\\d+)?|true|false|null|\\[\\])");
    private static final String DEV = "./mvnw quarkus:dev";

    /** One command of a block: its text (continuation lines joined) and what the README says it answers. */
    record Command(String text, String expected) {
    }

    public static void main(String[] args) throws Exception {
        List<List<Command>> blocks = blocks(Files.readAllLines(Path.of("README.md")));
        StringBuilder script = new StringBuilder(Files.readString(Path.of("scripts", "readme-walkthroughs.prelude.sh")));
        boolean devFirst = blocks.isEmpty() || blocks.get(0).isEmpty() || !blocks.get(0).get(0).text().startsWith(DEV);
        if (devFirst) {
            script.append("kh_dev\n");
        }
        int n = 0;
        for (List<Command> block : blocks) {
            script.append("\necho '== README block ").append(++n).append("'\n");
            for (Command command : block) {
                if (command.text().startsWith(DEV)) {
                    String rest = command.text().substring(DEV.length()).replaceAll("\\s#.*$", "").strip();
                    script.append("kh_dev ").append(rest).append('\n');
                    continue;
                }
                script.append("kh_begin ").append(quote(command.text().replace('\n', ' '))).append('\n');
                script.append(command.text()).append('\n');
                script.append("kh_expect ").append(quote(status(command.expected())));
                for (String pair : pairs(command.expected())) {
                    script.append(' ').append(quote(pair));
                }
                script.append('\n');
            }
        }
        script.append("\necho \"OK: the README's ").append(n).append(" shell blocks ran in order against dev mode\"\n");
        Path out = Path.of("target", "readme-walkthroughs.sh");
        Files.createDirectories(out.getParent());
        Files.writeString(out, script);
        if (args.length > 0 && args[0].equals("--dry-run")) {
            System.out.println("Written " + out + "; not run.");
            return;
        }
        Process bash = new ProcessBuilder("bash", out.toString()).inheritIO().start();
        System.exit(bash.waitFor());
    }

    /** The ```bash blocks (indented ones too), each as its commands. */
    static List<List<Command>> blocks(List<String> lines) {
        List<List<Command>> blocks = new ArrayList<>();
        List<String> body = null;
        String indent = "";
        for (String line : lines) {
            Matcher fence = FENCE.matcher(line);
            if (body == null && fence.matches() && fence.group(2).equals("bash")) {
                body = new ArrayList<>();
                indent = fence.group(1);
            } else if (body != null && fence.matches()) {
                blocks.add(commands(body));
                body = null;
            } else if (body != null) {
                body.add(line.startsWith(indent) ? line.substring(indent.length()) : line.strip());
            }
        }
        return blocks;
    }

    /** Joins continuation lines; a comment line {@code # → …} is the expectation of the command before it. */
    static List<Command> commands(List<String> lines) {
        List<Command> commands = new ArrayList<>();
        StringBuilder current = null;
        for (String line : lines) {
            String trimmed = line.strip();
            if (current != null) {
                current.append('\n').append(line);
                if (!trimmed.endsWith("\\")) {
                    commands.add(command(current.toString()));
                    current = null;
                }
                continue;
            }
            if (trimmed.isEmpty()) {
                continue;
            }
            if (trimmed.startsWith("#")) {
                Matcher expect = EXPECT.matcher(trimmed);
                if (expect.find() && !commands.isEmpty() && commands.get(commands.size() - 1).expected() == null) {
                    Command last = commands.remove(commands.size() - 1);
                    commands.add(new Command(last.text(), expect.group(1)));
                }
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current = new StringBuilder(line);
            } else {
                commands.add(command(line));
            }
        }
        if (current != null) {
            commands.add(command(current.toString()));
        }
        return commands;
    }

    /** A command, with the expectation of a {@code # →} comment at the end of its last line, if any. */
    private static Command command(String text) {
        String last = text.substring(text.lastIndexOf('\n') + 1);
        Matcher expect = Pattern.compile("\\s#\\s*→\\s*(.*)$").matcher(last);
        return new Command(text, expect.find() ? expect.group(1) : null);
    }

    private static String status(String expected) {
        if (expected == null) {
            return "";
        }
        Matcher m = STATUS.matcher(expected.strip());
        return m.find() ? m.group(1) : "";
    }

    private static List<String> pairs(String expected) {
        List<String> pairs = new ArrayList<>();
        if (expected != null) {
            Matcher m = PAIR.matcher(expected);
            while (m.find()) {
                pairs.add(m.group());
            }
        }
        return pairs;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private ReadmeWalkthroughs() {
    }
}
