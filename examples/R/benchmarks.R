#!/usr/bin/env Rscript
# Read EDI Hub benchmarks into R data frames, through CSV and through Arrow.
#
#   install.packages(c("httr2", "readr", "arrow"))   # arrow is optional
#   export EDI_HUB_URL=http://127.0.0.1:8080 EDI_HUB_TOKEN=edi_...
#   Rscript benchmarks.R workforce_share 2025-Q1 group=black pay_band=4
#
# Arguments (all optional): metric, quarter (default, or "": the latest with data),
# then metric parameters as name=value. A value withheld by disclosure
# control is "[c]" in CSV (read as NA) and null in Arrow (NA in R).

library(httr2)

url <- sub("/+$", "", Sys.getenv("EDI_HUB_URL", "http://127.0.0.1:8080"))
token <- Sys.getenv("EDI_HUB_TOKEN")
if (token == "") stop("set EDI_HUB_TOKEN to your hub token")
args <- commandArgs(trailingOnly = TRUE)
metric <- if (length(args) >= 1) args[[1]] else "workforce_share"
period <- if (length(args) >= 2 && nzchar(args[[2]])) args[[2]] else NA_character_
extra <- if (length(args) >= 3) args[3:length(args)] else character()

# GET a hub path; an error stops with the hub's explanation (problem+json).
hub <- function(path, query = list()) {
  request(url) |>
    req_url_path_append(path) |>
    req_url_query(!!!query) |>
    req_auth_bearer_token(token) |>
    req_error(body = function(resp) resp_body_json(resp, check_type = FALSE)$detail) |>
    req_perform()
}

if (is.na(period)) {
  # The latest published quarter: analysts see a quarter once it is released.
  rounds <- resp_body_json(hub("api/v1/periods"))$periods
  published <- Filter(function(p) p$state == "published", rounds)
  if (length(published) == 0) stop("the hub has published no quarter yet")
  period <- max(vapply(published, function(p) p$period, character(1)))
}
params <- list(period = period)
for (p in extra) params[[sub("=.*$", "", p)]] <- sub("^[^=]*=", "", p)
path <- paste0("api/v1/benchmarks/", metric)

# Through CSV: "[c]" marks a withheld cell.
csv <- hub(path, c(params, format = "csv"))
via_csv <- readr::read_csv(I(resp_body_string(csv)), na = c("", "[c]"), show_col_types = FALSE)

# Through Arrow: an IPC stream (when the arrow package is installed; CSV
# alone is enough for everything below).
if (requireNamespace("arrow", quietly = TRUE)) {
  arrow_answer <- hub(path, c(params, format = "arrow"))
  via_arrow <- as.data.frame(arrow::read_ipc_stream(resp_body_raw(arrow_answer)))
  stopifnot(nrow(via_csv) == nrow(via_arrow), identical(is.na(via_csv$value), is.na(via_arrow$value)))
  cat("CSV and Arrow agree\n")
} else {
  cat("the arrow package is not installed: read through CSV only\n")
}

orgs <- as.data.frame(via_csv[via_csv$scope == "organisation", ])
stopifnot(nrow(orgs) > 0, all(via_csv$period == period))
cat(sprintf("%s %s: %d organisations (%d values withheld, NA)\n",
            metric, period, nrow(orgs), sum(is.na(orgs$value))))
print(head(orgs[order(orgs$rank), c("rank", "name", "value", "numerator", "denominator")], 10), row.names = FALSE)
print(as.data.frame(via_csv[via_csv$scope != "organisation", c("name", "value", "contributors", "q1", "median", "q3")]),
      row.names = FALSE)
