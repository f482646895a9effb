/** The scheme search off the main thread (it compiles a training program per candidate); see scheme-search.ts. */
import { searchSchemes, type SearchRequest } from './scheme-search.ts';

self.onmessage = (e: MessageEvent<SearchRequest>) => self.postMessage(searchSchemes(e.data));
