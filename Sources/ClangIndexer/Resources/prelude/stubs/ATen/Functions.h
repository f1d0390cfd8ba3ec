// Marginalia stand-in: the prelude declares what vLLM uses from this header.
#pragma once
