#include "examples/common/figure.h"

#include <ppl/io/file_io.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

extern char** environ;

namespace ppl::examples {
namespace {

namespace fs = std::filesystem;

/// matplotlib's "tab10" palette: class k (and series k) is drawn in colour k.
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr int64_t kNumClasses = 10;

void check_name(const char* function, const std::string& name) {
  const bool valid =
      !name.empty() && name != "." && name != ".." &&
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
          std::string::npos;
  if (!valid)
    throw std::invalid_argument(
        fmt::format("{}: expected a figure name of letters, digits, '.', '_' and '-', got '{}'",
                    function, name));
}

void check_size(const char* function, int64_t width, int64_t height) {
  if (width < 100 || height < 100)
    throw std::invalid_argument(fmt::format(
        "{}: expected a size of at least 100x100 pixels, got {}x{}", function, width, height));
}

/// `text` as a gnuplot single-quoted string, in which only '' is special; control characters
/// (a newline would end the command) become spaces.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "''";
    } else {
      out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
    }
  }
  return out + "'";
}

/// `text` on one line, for a comment in a data file.
std::string one_line(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return text;
}

/// The shortest text that reads back as the same double; NaN (gnuplot's undefined value, which
/// is not drawn and breaks a line) for a value that is not finite.
std::string number(double value) {
  return std::isfinite(value) ? fmt::format("{}", value) : "NaN";
}

/// `text` quoted for a POSIX shell when it holds anything but plain path characters.
std::string shell_word(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
                                              "YZ0123456789._-/+,:=@%") == std::string::npos)
    return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void write_text(const std::string& path, const std::string& text) {
  write_file_atomically(path, std::vector<char>(text.begin(), text.end()));
}

FigureFiles files_of(const std::string& dir, const std::string& name) {
  const fs::path base = fs::path(dir) / name;
  FigureFiles files;
  files.data = base.string() + ".dat";
  files.script = base.string() + ".gp";
  files.png = base.string() + ".png";
  return files;
}

/// The start of every script: output file, terminal, title and axis labels, the palette.
std::string script_header(const std::string& name, int64_t width, int64_t height,
                          const std::string& title, const std::string& x_label,
                          const std::string& y_label) {
  std::string s = fmt::format(
      "# {0}.gp, written by ppl: the style of {0}.png, drawn from the data in {0}.dat.\n"
      "# Edit freely, then re-render from this directory with: gnuplot {0}.gp\n"
      "# (ppl sets png_file to a temporary name and renames the result to {0}.png.)\n"
      "if (!exists(\"png_file\")) png_file = '{0}.png'\n"
      "set encoding utf8\n"
      "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {{\n"
      "  set terminal pngcairo size {1},{2} noenhanced font 'Sans,11'\n"
      "}} else {{\n"
      "  set terminal png size {1},{2} noenhanced\n"
      "}}\n"
      "set output png_file\n",
      name, width, height);
  if (!title.empty()) s += "set title " + quoted(title) + "\n";
  if (!x_label.empty()) s += "set xlabel " + quoted(x_label) + "\n";
  if (!y_label.empty()) s += "set ylabel " + quoted(y_label) + "\n";
  for (int64_t k = 0; k < kNumClasses; ++k)
    s += fmt::format("set linetype {} linecolor rgb '{}' linewidth 2 pointtype 7 pointsize 0.8\n",
                     k + 1, kPalette[k]);
  return s;
}

const char* key_position(LegendPosition position) {
  switch (position) {
    case LegendPosition::kTopLeft:
      return "top left";
    case LegendPosition::kTopRight:
      return "top right";
    case LegendPosition::kBottomLeft:
      return "bottom left";
    case LegendPosition::kBottomRight:
      break;
  }
  return "bottom right";
}

/// A finished child process: its exit status and everything it wrote to stdout and stderr.
struct ProcessResult {
  int spawn_error = 0;  ///< errno of a failed start (0: it ran)
  int status = 0;       ///< as from waitpid
  std::string output;
};

/// Runs `argv` (argv[0] looked up on PATH unless it holds a '/') in `dir`, with stdin from
/// /dev/null and stdout and stderr captured together.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& dir) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw std::runtime_error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  ProcessResult result;
  result.spawn_error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (result.spawn_error != 0) {
    ::close(pipe_fds[0]);
    return result;
  }
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) {
      result.output.append(buffer, static_cast<size_t>(n));
      constexpr size_t kKeep = 1 << 16;  // gnuplot's messages are short; bound a runaway
      if (result.output.size() > 2 * kKeep) result.output.erase(0, result.output.size() - kKeep);
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  while (::waitpid(pid, &result.status, 0) < 0) {
    if (errno != EINTR)
      throw std::runtime_error(
          fmt::format("cannot wait for {}: {}", argv[0], std::strerror(errno)));
  }
  return result;
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

/// True when `path` holds a PNG signature; flushes it to disk so that the rename is durable.
bool is_png_on_disk(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  unsigned char signature[8] = {};
  const bool png =
      ::read(fd, signature, 8) == 8 && std::memcmp(signature, "\x89PNG\r\n\x1a\n", 8) == 0;
  ::fsync(fd);
  ::close(fd);
  return png;
}

}  // namespace

FigureFiles render_figure(const std::string& dir, const std::string& name) {
  check_name("render_figure", name);
  FigureFiles files = files_of(dir, name);
  if (!fs::is_regular_file(files.script))
    throw std::runtime_error(fmt::format("render_figure: no script '{}'", files.script));

  const char* chosen = std::getenv("PPL_GNUPLOT");
  std::string program = chosen && *chosen ? chosen : "gnuplot";
  // The child changes directory before exec: a relative path must not be resolved from there.
  if (program.find('/') != std::string::npos) program = fs::absolute(program).string();

  static std::atomic<int> counter{0};
  const std::string temporary = fmt::format("{}.png.tmp.{}.{}", name, ::getpid(), counter++);
  const std::string temporary_path = (fs::path(dir) / temporary).string();
  const ProcessResult run =
      run_process({program, "-e", fmt::format("png_file='{}'", temporary), name + ".gp"}, dir);

  if (run.spawn_error == ENOENT || run.spawn_error == ENOTDIR) {
    std::remove(files.png.c_str());  // an older picture would not match the new data
    files.hint = fmt::format(
        "gnuplot not found{}: render with `cd {} && gnuplot {}.gp` (Debian: apt-get install "
        "gnuplot-nox)",
        chosen && *chosen ? fmt::format(" (PPL_GNUPLOT={})", chosen) : "", shell_word(dir), name);
    return files;
  }
  if (run.spawn_error != 0)
    throw std::runtime_error(fmt::format("cannot run gnuplot '{}' for '{}': {}", program,
                                         files.script, std::strerror(run.spawn_error)));

  const bool exited_ok = WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0;
  if (!exited_ok || !is_png_on_disk(temporary_path)) {
    std::remove(temporary_path.c_str());
    const std::string how =
        !exited_ok
            ? (WIFEXITED(run.status) ? fmt::format("exit status {}", WEXITSTATUS(run.status))
                                     : fmt::format("killed by signal {}", WTERMSIG(run.status)))
            : "it wrote no PNG";
    const std::string message = trimmed(run.output);
    throw std::runtime_error(fmt::format("gnuplot failed on '{}' ({}): {}", files.script, how,
                                         message.empty() ? "(no message)" : message));
  }
  if (std::rename(temporary_path.c_str(), files.png.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary_path.c_str());
    throw std::runtime_error(fmt::format("cannot write '{}': {}", files.png, std::strerror(error)));
  }
  files.rendered = true;
  return files;
}

FigureFiles save_line_figure(const std::string& dir, const std::string& name,
                             const LineFigure& figure) {
  constexpr const char* kFunction = "save_line_figure";
  check_name(kFunction, name);
  check_size(kFunction, figure.width, figure.height);
  if (figure.series.empty())
    throw std::invalid_argument(
        fmt::format("{}: expected at least one series, got none", kFunction));
  bool any_finite = false;
  for (const auto& s : figure.series) {
    if (s.x.size() != s.y.size())
      throw std::invalid_argument(
          fmt::format("{}: series '{}' has {} x values: expected as many y values, got {}",
                      kFunction, s.label, s.x.size(), s.y.size()));
    for (size_t i = 0; i < s.x.size(); ++i)
      any_finite = any_finite || (std::isfinite(s.x[i]) && std::isfinite(s.y[i]));
  }
  if (!any_finite)
    throw std::invalid_argument(
        fmt::format("{}: expected at least one point with finite x and y, got none", kFunction));

  fmt::memory_buffer data;
  fmt::format_to(std::back_inserter(data),
                 "# {}.dat, written by ppl: one block per series (gnuplot's index 0, 1, ...), "
                 "columns x y;\n# NaN marks a missing point.\n",
                 name);
  std::string plot = "plot ";
  for (size_t k = 0; k < figure.series.size(); ++k) {
    const auto& s = figure.series[k];
    if (k > 0) fmt::format_to(std::back_inserter(data), "\n\n");
    fmt::format_to(std::back_inserter(data), "# index {}: {}\n", k, one_line(s.label));
    for (size_t i = 0; i < s.x.size(); ++i)
      fmt::format_to(std::back_inserter(data), "{} {}\n", number(s.x[i]), number(s.y[i]));
    // An empty block would merge with its neighbour and shift every later index.
    if (s.x.empty()) fmt::format_to(std::back_inserter(data), "NaN NaN\n");
    plot += fmt::format("{}{} index {} using 1:2 with linespoints linetype {} title {}",
                        k == 0 ? "" : ", \\\n     ", k == 0 ? quoted(name + ".dat") : "''", k,
                        k % kNumClasses + 1, quoted(s.label));
  }

  std::string script = script_header(name, figure.width, figure.height, figure.title,
                                     figure.x_label, figure.y_label) +
                       fmt::format(
                           "set grid\n"
                           "set key {} box opaque\n"
                           "set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05\n",
                           key_position(figure.legend)) +
                       plot + "\nunset output\n";

  fs::create_directories(dir);
  const FigureFiles files = files_of(dir, name);
  write_text(files.data, fmt::to_string(data));
  write_text(files.script, script);
  return render_figure(dir, name);
}

FigureFiles save_scatter_figure(const std::string& dir, const std::string& name,
                                const ScatterFigure& figure) {
  constexpr const char* kFunction = "save_scatter_figure";
  check_name(kFunction, name);
  check_size(kFunction, figure.width, figure.height);
  const size_t n = figure.x.size();
  if (figure.y.size() != n)
    throw std::invalid_argument(fmt::format("{}: {} x values: expected as many y values, got {}",
                                            kFunction, n, figure.y.size()));
  if (figure.labels.size() != n)
    throw std::invalid_argument(
        fmt::format("{}: {} points: expected one label per point, got {} labels", kFunction, n,
                    figure.labels.size()));
  if (!(figure.point_size > 0) || !std::isfinite(figure.point_size))
    throw std::invalid_argument(
        fmt::format("{}: expected a positive point size, got {}", kFunction, figure.point_size));
  bool present[kNumClasses] = {};
  bool any_finite = false;
  for (size_t i = 0; i < n; ++i) {
    const int64_t label = figure.labels[i];
    if (label < 0 || label >= kNumClasses)
      throw std::invalid_argument(fmt::format("{}: expected labels in 0..{}, got {} at point {}",
                                              kFunction, kNumClasses - 1, label, i));
    present[label] = true;
    any_finite = any_finite || (std::isfinite(figure.x[i]) && std::isfinite(figure.y[i]));
  }
  if (!any_finite)
    throw std::invalid_argument(
        fmt::format("{}: expected at least one point with finite x and y, got none", kFunction));

  fmt::memory_buffer data;
  fmt::format_to(std::back_inserter(data),
                 "# {}.dat, written by ppl: one point per row, columns x y label (0..{});\n"
                 "# NaN marks a missing value.\n",
                 name, kNumClasses - 1);
  for (size_t i = 0; i < n; ++i)
    fmt::format_to(std::back_inserter(data), "{} {} {}\n", number(figure.x[i]), number(figure.y[i]),
                   figure.labels[i]);

  // The points keep their order (no class is drawn over all the others); the legend is one
  // larger marker per class present.
  std::string plot = fmt::format(
      "plot {} using 1:2:($3 + 1) with points pointtype 7 pointsize {} linecolor variable "
      "notitle",
      quoted(name + ".dat"), figure.point_size);
  for (int64_t k = 0; k < kNumClasses; ++k) {
    if (present[k])
      plot += fmt::format(", \\\n     keyentry with points linetype {} pointsize 1.5 title '{}'",
                          k + 1, k);
  }
  std::string script = script_header(name, figure.width, figure.height, figure.title,
                                     figure.x_label, figure.y_label) +
                       "set key outside right top title 'class' box\n" + plot + "\nunset output\n";

  fs::create_directories(dir);
  const FigureFiles files = files_of(dir, name);
  write_text(files.data, fmt::to_string(data));
  write_text(files.script, script);
  return render_figure(dir, name);
}

}  // namespace ppl::examples
